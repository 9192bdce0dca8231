// The metrics module: what /metrics shows, in the Prometheus text format.
//
// It owns the instruments (counters, gauges, fixed-bucket histograms, Kafka's one-minute
// rates), a writer of the text format 0.0.4, BrokerMetrics (everything the broker feeds
// while it runs: requests per API from the listener, bytes and records per topic from
// the handlers, flushes from storage) and the process_* metrics read from /proc. Gauges
// of broker state (offsets, lag) are computed at scrape time by the HTTP module and
// written through the same writer. It depends on nothing but the standard library.
#pragma once

#include "samsa/metrics/broker_metrics.h"
#include "samsa/metrics/instruments.h"
#include "samsa/metrics/process.h"
#include "samsa/metrics/text_format.h"
