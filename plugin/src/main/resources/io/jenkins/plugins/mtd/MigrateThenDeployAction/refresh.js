// Fetches the report page's live part again every few seconds while the build runs (Jenkins' own refreshPart, as the
// Pipeline Steps page does); the approval forms stay outside it, so a comment being typed is never replaced.
refreshPart("mtd-live", "./live");
