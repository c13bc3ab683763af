insert into customer (name) values ('Grace');
update no_such_table set name = 'x';
