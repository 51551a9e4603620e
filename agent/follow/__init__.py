"""After the dispute opens: follow the request to its end, answer the store in time, never
accept by mistake.

`states` (the request's states and `follow`'s outcomes, spelled here only), `reading` (the
request's page read as a person sees it), `reach` (the way to that page), `message` (the
response's words), `port` (the response's submission, for the submit loop), `driver` (the
loop until the lead's generic one lands), `record` (``follow.json`` and screenshots), `run`
(one request, read, answered, watched), `batch` (every request of a batch folder), `check`
(the profile's ``[follow]`` walked, never submitted).
"""
