"""Operating a deployment from a workstation: which deployment a command talks to, the doctor's checks,
and the status views (text, JSON, the HTML page). Used by the CLI and the local stack (its dashboard and
the demo); the use cases they show live in ``scene_select.cloud.pipeline`` (status, retry)."""
