-- Which device made the change that won a conflict (`platform`: the platform alone, no device
-- vouched for it); NULL for conflicts found before it was kept, and when nothing won.
ALTER TABLE conflicts ADD COLUMN won_by TEXT;
