-- C5: the last license warning per organization and seat kind, so that administrators are
-- warned once when usage reaches a level (90 % or 100 % of the limit), not on every write.
-- No row: nothing warned since usage was last seen below the first level. The row is
-- dropped when a write finds usage below its level or the limit changed (`seat_limit` is
-- the limit the warning was about), which re-arms the warning. (Number 0011 was never
-- used: branches merged in parallel took 0010 and 0012; installations have run 0012 and
-- 0013 already, so this one comes after them.)
CREATE TABLE license_warnings (
    org_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    seat_kind TEXT NOT NULL,
    level BIGINT NOT NULL,
    seat_limit BIGINT NOT NULL,
    used BIGINT NOT NULL,
    warned_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, seat_kind)
);
