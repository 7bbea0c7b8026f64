"""Image and video generation: the model catalog and one adapter per upstream task family.

`catalog` says what each model accepts, `jobs` turns a cleaned request into the family's
wire call, and `status` is the one task shape every family's answer is mapped into.
"""
