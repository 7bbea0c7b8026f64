"""The simulator's image and video task families (see routes.py) and their media."""
