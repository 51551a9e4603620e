"""What a run leaves behind: the run folder, report.html, the support ticket, batch files."""
