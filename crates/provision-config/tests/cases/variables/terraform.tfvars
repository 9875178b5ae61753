az_count = 5
undeclared = "x"
