"""The callback desk of the staff portal: the queue of residents' callback
requests (pages and a JSON API) and the appointment calendar per unit and day.

The work itself (claiming, completing, the queue order) is done by
bot.callbacks.service; this package checks what staff send, shows the results
and writes the audit log.
"""
