// CertifyReport
