"""Where residents get help: the one-stop counter and the e-stations, their
opening hours and closures, and the host rotation that moves an e-station
between residential groups' cultural houses."""
