// CertifyNumerics
