"""Developer and CI helper commands (`python -m scripts.<name>`)."""
