"""Staff accounts: sign-in, roles, passwords. Residents never need an account."""
