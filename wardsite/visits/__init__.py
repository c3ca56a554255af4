"""Home guidance visits: residents book a mobile volunteer team from the roster's
free slots, look their booking up, move, cancel or erase it; leaders confirm,
send the team and record what was achieved; personal data is purged on schedule."""
