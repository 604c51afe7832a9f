"""RIO V4 of DUO: its messages, their safe XML handling, and the Edukoppeling transport.

Messages: ``xml`` (hostile-XML-proof parsing, defused XSD loading), ``codec`` (validation
against DUO's XSDs), ``values`` (waardenlijsten as data), ``document`` (the Bedrijfsdocument
header), ``aangeboden_opleiding`` (reading an offering), ``responses`` and ``raadplegen``
(answers, opvragen requests). The builders of Beheren requests are in
:mod:`gateway.mappings.rio_v4`; the SOAP envelope, WS-Security and transport live beside
these modules.
"""
