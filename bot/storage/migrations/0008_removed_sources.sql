-- A removal by `kb push` of a whole file keeps the file's `source` mapping with the record, so that
-- `kb undo` can put the file back with its passage. Records written before hold none. An instance of
-- the version before names the columns it inserts; `source` takes its default.
ALTER TABLE changes ADD COLUMN source jsonb;
