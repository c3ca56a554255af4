"""Administration: users, the ward's settings and residential groups, the audit log."""
