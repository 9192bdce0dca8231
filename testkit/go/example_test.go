package samsatest_test

import (
	"context"
	"fmt"
	"log"

	"samsa.dev/samsatest"
)

// Without a test, e.g. in TestMain (see the package documentation): the caller closes it.
func ExampleStartBroker() {
	b, err := samsatest.StartBroker(context.Background(), samsatest.WithTopic("orders", 3))
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	fmt.Println("seed brokers:", b.BootstrapServers())
}
