// CertifyProfiles
