"""The public directory: the organizations that agreed to be listed, their brand projects."""
