-- A message can be queued as its template and variables (JSON), rendered when it is first
-- sent: a bulk import queues tens of thousands of welcome emails, and storing each one's
-- text and HTML would multiply the database's size. NULL: the bodies are stored.
ALTER TABLE email_outbox ADD COLUMN vars TEXT NULL;
