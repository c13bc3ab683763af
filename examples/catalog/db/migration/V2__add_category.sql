-- expand: nullable, so that the version serving (which does not know it) keeps inserting products
alter table product add column category text;
