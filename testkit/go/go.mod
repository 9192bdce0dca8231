module samsa.dev/samsatest

go 1.22
