"""The roles an account may have; apart from the models so the command line can list them cheaply."""

ROLES = ("admin", "trainer", "proctor", "leader", "candidate")
