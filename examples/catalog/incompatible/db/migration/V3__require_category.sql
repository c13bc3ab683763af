-- Every product needs a category from now on. NOT VALID skips checking the existing rows (the expand/contract check
-- accepts it: no long lock), but new rows are checked at once: the running 3.0.0 inserts products without a category.
alter table product add constraint product_category_required check (category is not null) not valid;
