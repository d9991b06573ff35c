module github.com/memshape/memory-datasource

go 1.26
