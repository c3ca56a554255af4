"""News and announcements: editors post articles, residents read, comment and rate them."""
