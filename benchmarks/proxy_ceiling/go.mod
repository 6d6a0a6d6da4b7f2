module proxyceiling

go 1.22
