"""The web app: demo municipal page with the chat box (later the staff portal)."""
