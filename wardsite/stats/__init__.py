"""The ward's figures: the guidance log, staff dashboard lines, reports with charts and exports, public statistics."""
