-- The GoQ account (a GoQ login ID, not a secret) a browser-mode shop's keys
-- go into: the extension fills nothing unless the GoQ page shows it, and a
-- delivery is verified only when the page showed it. '' = none yet (the
-- operator confirms the account the GoQ tab shows on first use). Switching
-- a shop with a GoQ login to browser mode keeps that login's ID here.
ALTER TABLE delivery_modes ADD COLUMN account TEXT NOT NULL DEFAULT '';
