insert into customer (name, email) values ('Ada', 'ada@example.com');
