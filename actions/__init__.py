"""rasa-sdk actions. Each is thin: it reads the tracker and calls into bot/."""
