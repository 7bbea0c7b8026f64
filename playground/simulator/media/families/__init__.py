"""One module per task family, as in nexconn/media/families/; routes.py maps the paths."""
