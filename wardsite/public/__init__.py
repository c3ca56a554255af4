"""The public face of the site: the home page, language choice, health check."""
