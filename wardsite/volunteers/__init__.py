"""Youth volunteer rosters: stations, volunteers, availability, shifts,
automatic rostering, swaps, attendance, calendar feeds and the volunteer card."""
