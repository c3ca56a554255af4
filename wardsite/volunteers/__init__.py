"""Youth volunteers: who they are, their weekly availability and dates away,
and the volunteer card with the check residents make of it."""
