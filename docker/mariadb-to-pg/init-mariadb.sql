CREATE TABLE customers (id int AUTO_INCREMENT PRIMARY KEY, name varchar(100) NOT NULL) ENGINE=InnoDB;
CREATE TABLE orders (id bigint AUTO_INCREMENT PRIMARY KEY, customer int NOT NULL, amount decimal(12,2),
                     placed datetime(6) DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB;
INSERT INTO customers (name) SELECT concat('customer ', seq) FROM seq_1_to_100;
INSERT INTO orders (customer, amount) SELECT seq % 100 + 1, seq * 1.25 FROM seq_1_to_1000;
