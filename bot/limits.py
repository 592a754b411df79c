"""What residents may send, the same on every entrance (REST, socket.io, the web app)."""

from __future__ import annotations

# Longer than anyone types into a chat; longer input is refused with a reason, not cut.
MAX_MESSAGE_CHARS = 5000
# The tracker store's sender_id column.
MAX_SENDER_CHARS = 255
TOO_LONG = f"message must be at most {MAX_MESSAGE_CHARS} characters"
