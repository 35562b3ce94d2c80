/* placeholder */ typedef int cb_placeholder_cambricon;
