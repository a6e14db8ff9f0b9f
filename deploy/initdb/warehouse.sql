-- The budgetqa warehouse beside Dagster's own storage (the same server; another database).
CREATE DATABASE warehouse OWNER budgetqa;
