"""The procedure catalogue: what each administrative procedure needs, for residents and editors."""
