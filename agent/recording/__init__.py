"""Profiles from recordings: a person opens one dispute by hand, and gets a draft profile.

``retry-dispute profile import`` and ``retry-dispute record`` (`agent.cli.profile_import`,
`agent.cli.record`) over these modules, one job each:

- reading a recording: `reading` (the format told from the content, one-line refusals),
  `chrome` (a Chrome DevTools Recorder export), `codegen` (a Playwright codegen script, read with
  ``ast``, never run), into `model`'s records; `selectors` turns each format's selectors into
  Playwright's, stable first;
- reading the flow out of it: `cutting` (login, opening, form, what came after), `flow` (steps,
  fields, reasons), `answers` (submit steps, resubmissions, busy and success answers, the
  dispute on the order page), `ids` (the order's and the dispute's ids and their patterns),
  `naming` (element names), `reasons` (our codes, guessed from the labels' words), `har` (the
  submit request and its JSON from the recording's network data);
- the draft: `draft` (its records), `writer` (TOML with its TODOs, checked by the loader),
  `importing` (read, draft, write);
- the second pass on the live site, never submitting: `live`, `live_form` and `live_selectors`;
- Playwright's own recorder run for a person: `recorder`.
"""
