// The least any front process in front of the store costs: a reverse proxy that only forwards
// (benchmarks/endpoint.py measures raw oxigraph behind it, beside /sparql; Go standard library only).
package main

import (
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	target := flag.String("to", "", "the server to forward to")
	flag.Parse()
	to, err := url.Parse(*target)
	if err != nil || *target == "" {
		log.Fatal("-to URL is required")
	}
	proxy := httputil.NewSingleHostReverseProxy(to)
	proxy.Transport = &http.Transport{MaxIdleConnsPerHost: 256, MaxIdleConns: 256}
	log.Fatal(http.ListenAndServe(*listen, proxy))
}
