import RecdServer
import Testing

@Suite struct PrometheusWriterTests {
    @Test func writesFamiliesSamplesAndHistogramsByteForByte() {
        var w = PrometheusWriter()
        let first = w.family("x_total", .counter, help: "Things.\nSecond line \\ here")
        #expect(first)
        w.sample("x_total", [("op", "A\"b\\c\nd")], UInt64(3))
        let again = w.family("x_total", .counter, help: "again")
        #expect(!again, "a family is written once")
        w.family("lat_seconds", .histogram, help: "Latency.")
        w.histogram("lat_seconds", [("op", "E")], bounds: [0.001, 1], cumulative: [2, 5], sum: 0.25, count: 7)
        #expect(w.text == """
            # HELP x_total Things.\\nSecond line \\\\ here
            # TYPE x_total counter
            x_total{op="A\\"b\\\\c\\nd"} 3
            # HELP lat_seconds Latency.
            # TYPE lat_seconds histogram
            lat_seconds_bucket{op="E",le="0.001"} 2
            lat_seconds_bucket{op="E",le="1"} 5
            lat_seconds_bucket{op="E",le="+Inf"} 7
            lat_seconds_sum{op="E"} 0.25
            lat_seconds_count{op="E"} 7

            """)
    }

    @Test func formatsNumbersAsPrometheusParsesThem() {
        #expect(PrometheusWriter.format(3) == "3")
        #expect(PrometheusWriter.format(0.5) == "0.5")
        #expect(PrometheusWriter.format(.infinity) == "+Inf")
        #expect(PrometheusWriter.format(-.infinity) == "-Inf")
        #expect(PrometheusWriter.format(.nan) == "NaN")
    }

    @Test func checksMetricNames() {
        #expect(PrometheusWriter.isValidName("recd_catalog_items"))
        #expect(PrometheusWriter.isValidName("a:b_9"))
        #expect(!PrometheusWriter.isValidName("9lives"))
        #expect(!PrometheusWriter.isValidName("catalog-size"))
        #expect(!PrometheusWriter.isValidName(""))
    }
}

@Suite struct MetricsListenAddressTests {
    @Test func acceptsLoopbackOnly() throws {
        #expect(try MetricsListenAddress(parsing: "127.0.0.1:9464") == .init(parsing: "127.0.0.1:9464"))
        #expect(try MetricsListenAddress(parsing: "127.0.0.1:9464").port == 9464)
        #expect(try MetricsListenAddress(parsing: "localhost:80").host == "127.0.0.1")
        #expect(try MetricsListenAddress(parsing: "[::1]:9464").host == "::1")
        #expect(try MetricsListenAddress(parsing: "127.8.9.10:1").description == "127.8.9.10:1")
        #expect(throws: MetricsListenAddress.Error.self) { try MetricsListenAddress(parsing: "0.0.0.0:9464") }
        #expect(throws: MetricsListenAddress.Error.self) { try MetricsListenAddress(parsing: "[::]:9464") }
        #expect(throws: MetricsListenAddress.Error.self) { try MetricsListenAddress(parsing: "10.1.2.3:9464") }
    }

    @Test func remoteNeedsTheFlag() throws {
        let a = try MetricsListenAddress(parsing: "0.0.0.0:9464", allowRemote: true)
        #expect(a.host == "0.0.0.0")
        do {
            _ = try MetricsListenAddress(parsing: "192.168.1.5:9464")
            Issue.record("a LAN address must be refused without --metrics-allow-remote")
        } catch {
            #expect(error.description.contains("--metrics-allow-remote"))
        }
    }

    @Test func namesWhatIsWrong() {
        for (text, says) in [("127.0.0.1", "HOST:PORT"), ("127.0.0.1:0", "1-65535"), ("127.0.0.1:70000", "1-65535"),
                             ("example.com:9464", "numeric"), ("::1:9464", "brackets"), ("[::1]9464", "HOST:PORT")] {
            do {
                _ = try MetricsListenAddress(parsing: text)
                Issue.record("\(text) must be refused")
            } catch {
                #expect(error.description.contains(says), "\(text): \(error.description)")
            }
        }
    }
}
