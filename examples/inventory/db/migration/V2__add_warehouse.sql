-- expand: nullable first; a later release backfills and makes it required
alter table stock add column warehouse text;
