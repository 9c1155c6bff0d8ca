"""Top-level screens: start-up, sign-in, the desk, editors and dialogs."""
