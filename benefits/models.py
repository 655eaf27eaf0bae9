"""Models of this app arrive with their issue (see README, "Where the system is going")."""
