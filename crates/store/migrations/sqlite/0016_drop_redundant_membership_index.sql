-- memberships(user_id) is a prefix of memberships_user_org_idx (user_id, org_id), which
-- serves every look-up by user: one index entry less per membership written (bulk import).
DROP INDEX IF EXISTS memberships_user_idx;
