"""The youth volunteers' roster: weekly shift templates, shifts, automatic and
hand-made assignments, publishing and reminders, swaps, attendance, the
printable roster, hours on duty and each volunteer's calendar feed."""
