// CertifyBackends
