"""One module per upstream task family; `jobs` picks the module from `MediaModel.family`."""
